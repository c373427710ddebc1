/** The fields a page gave, each beside the place it was found (`result.sources`), so a user sees
 * why a value was picked and knows what selector to write when it is wrong. */

import { cellText } from "../lib/records";

export interface FieldSourcesProps {
  data: Record<string, unknown>;
  sources?: Record<string, string> | null;
  missing?: string[];
}

/** A short reading of a source string: `jsonld:offers.price` -> "JSON-LD offers.price". */
export function describeSource(source: string | undefined): string {
  if (!source) return "";
  const [kind, ...rest] = source.split(":");
  const detail = rest.join(":");
  const names: Record<string, string> = {
    jsonld: "JSON-LD",
    microdata: "microdata",
    meta: "meta tag",
    label: "label",
    css: "selector",
    xpath: "XPath",
  };
  if (detail && kind && names[kind]) return `${names[kind]} ${detail}`;
  if (source === "h1") return "main heading (h1)";
  if (source === "title") return "page title";
  return source;
}

export function FieldSources({ data, sources, missing = [] }: FieldSourcesProps) {
  const names = Object.keys(data);
  if (names.length === 0) return null;
  return (
    <table className="field-sources" aria-label="Fields and where they were found">
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Value</th>
          <th scope="col">Found at</th>
        </tr>
      </thead>
      <tbody>
        {names.map((name) => {
          const notFound = missing.includes(name);
          const source = sources?.[name];
          return (
            <tr key={name} data-field={name}>
              <th scope="row">{name}</th>
              <td className="value">{notFound ? <span className="muted">not found</span> : cellText(data[name])}</td>
              <td>
                {source ? (
                  <code title={source} data-testid={`source-${name}`}>
                    {describeSource(source)}
                  </code>
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
