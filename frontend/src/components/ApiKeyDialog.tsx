/** Asks for the API key when the API answers 401; the key is kept in local storage. */

import { useEffect, useRef, useState, type FormEvent } from "react";
import { onKeyPrompt, type KeyPrompt } from "../api/auth";

export function ApiKeyDialog() {
  const [prompt, setPrompt] = useState<KeyPrompt | null>(null);
  const [key, setKey] = useState("");
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => onKeyPrompt(setPrompt), []);

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (prompt && !element.open) {
      setKey("");
      // showModal traps focus and makes the rest of the page inert; not every test DOM has it.
      if (typeof element.showModal === "function") element.showModal();
      else element.setAttribute("open", "");
    } else if (!prompt && element.open) {
      element.close();
    }
  }, [prompt]);

  function submit(event: FormEvent) {
    event.preventDefault();
    prompt?.answer(key);
  }

  return (
    <dialog ref={dialog} className="key-dialog" aria-labelledby="key-title" onCancel={(e) => { e.preventDefault(); prompt?.answer(null); }}>
      <form onSubmit={submit}>
        <h2 id="key-title">API key needed</h2>
        <p>
          {prompt?.refused
            ? "The API refused the saved key. Enter the current API key."
            : "This DataOps server asks for an API key (the API_KEY setting)."}{" "}
          It is kept in this browser only.
        </p>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="current-password"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          required
          autoFocus
        />
        <div className="actions">
          <button type="submit" className="primary">
            Save key
          </button>
          <button type="button" onClick={() => prompt?.answer(null)}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
