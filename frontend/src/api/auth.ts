/** The API key: kept in the browser's local storage, asked for when the API answers 401. */

const STORAGE_KEY = "dataops.apiKey";

export interface KeyPrompt {
  /** True when a key was sent and refused (wrong or changed), false when none was saved. */
  refused: boolean;
  answer(key: string | null): void;
}

type Listener = (prompt: KeyPrompt | null) => void;

const listeners = new Set<Listener>();
let current: { prompt: KeyPrompt; answered: Promise<string | null> } | null = null;

export function getApiKey(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function setApiKey(key: string | null): void {
  try {
    if (key) localStorage.setItem(STORAGE_KEY, key);
    else localStorage.removeItem(STORAGE_KEY);
  } catch {
    // Private windows may refuse storage; the key then lasts until the page is reloaded.
  }
}

/**
 * Ask the user for a key; resolves with it (already saved) or null when they cancel. Requests that
 * hit 401 at the same time share one prompt.
 */
export function askForApiKey(refused: boolean): Promise<string | null> {
  if (current) return current.answered;
  let resolve!: (key: string | null) => void;
  const answered = new Promise<string | null>((r) => {
    resolve = r;
  });
  const prompt: KeyPrompt = {
    refused,
    answer(key) {
      const trimmed = key?.trim() || null;
      if (trimmed) setApiKey(trimmed);
      current = null;
      listeners.forEach((l) => l(null));
      resolve(trimmed);
    },
  };
  current = { prompt, answered };
  listeners.forEach((l) => l(prompt));
  return answered;
}

/** Be told when a prompt opens (a KeyPrompt) or closes (null). */
export function onKeyPrompt(listener: Listener): () => void {
  listeners.add(listener);
  if (current) listener(current.prompt);
  return () => listeners.delete(listener);
}
