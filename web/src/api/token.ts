/**
 * The API token. `weir serve` prints a URL carrying it (`/?token=…`); the app takes it from there once, keeps it in
 * localStorage for later visits, and removes it from the address bar so it is not bookmarked or shared by accident.
 */
const STORAGE_KEY = 'weir.apiToken';

let captured = false;

/** Moves a `?token=` from the address bar into storage. Safe to call many times; acts on the first call. */
export function captureTokenFromUrl(): void {
  if (captured || typeof window === 'undefined') return;
  captured = true;
  const url = new URL(window.location.href);
  const token = url.searchParams.get('token');
  if (token === null) return;
  if (token) storeToken(token);
  url.searchParams.delete('token');
  window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
}

export function getToken(): string | null {
  captureTokenFromUrl();
  try {
    return typeof localStorage === 'undefined' ? null : localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage can be disabled (private modes, sandboxed frames); the app then has no token.
    return null;
  }
}

export function storeToken(token: string): void {
  try {
    localStorage.setItem(STORAGE_KEY, token);
  } catch {
    // See getToken.
  }
}
