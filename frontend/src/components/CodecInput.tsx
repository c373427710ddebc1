/** A text input for a structured value (a column list, `key: value` lines, JSON) that keeps what the
 * user types while it is half-written and reports the parsed value, or why it does not parse. */

import { useEffect, useRef, useState } from "react";

interface CodecInputProps<T> {
  id?: string;
  label: string;
  value: T;
  parse: (text: string) => T;
  format: (value: T) => string;
  onChange: (value: T) => void;
  multiline?: boolean;
  placeholder?: string;
  rows?: number;
  className?: string;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function CodecInput<T>({ id, label, value, parse, format, onChange, multiline, placeholder, rows = 3, className }: CodecInputProps<T>) {
  const [text, setText] = useState(() => format(value));
  const [problem, setProblem] = useState<string | null>(null);
  const sent = useRef<T>(value);

  useEffect(() => {
    // Only a change from outside (an example, applied JSON) replaces what the user is typing.
    if (!same(value, sent.current)) {
      sent.current = value;
      setText(format(value));
      setProblem(null);
    }
  }, [value, format]);

  function change(next: string) {
    setText(next);
    try {
      const parsed = parse(next);
      sent.current = parsed;
      setProblem(null);
      onChange(parsed);
    } catch (error) {
      setProblem((error as Error).message);
    }
  }

  const common = {
    id,
    "aria-label": label,
    "aria-invalid": problem ? true : undefined,
    value: text,
    placeholder,
    className,
    spellCheck: false,
  };
  return (
    <>
      {multiline ? <textarea {...common} rows={rows} onChange={(e) => change(e.target.value)} /> : <input {...common} onChange={(e) => change(e.target.value)} />}
      {problem && <span className="field-error">{problem}</span>}
    </>
  );
}

export function parseJson(text: string): unknown {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`Not valid JSON: ${(error as Error).message}`);
  }
}

export function formatJson(value: unknown): string {
  return value === undefined ? "" : JSON.stringify(value, null, 2);
}
