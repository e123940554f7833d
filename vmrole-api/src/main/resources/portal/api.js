// The portal's only way to the platform: the same REST API as the CLI, with the key of this browser tab.

const KEY = 'vmrole.key';

/** An API error: status, code, message and target as the API sent them. */
export class ApiError extends Error {
  constructor(status, code, message, target) {
    super(message);
    this.status = status;
    this.code = code;
    this.target = target;
  }
}

let me = null;

/** The key lives in this tab's sessionStorage only: no cookie (so no CSRF), gone when the tab closes or on sign-out. */
export const session = {
  key: () => sessionStorage.getItem(KEY),
  async signIn(key) {
    sessionStorage.setItem(KEY, key);
    try {
      me = await api('GET', '/whoami');
      return me;
    } catch (e) {
      sessionStorage.removeItem(KEY);
      throw e;
    }
  },
  signOut() {
    sessionStorage.removeItem(KEY);
    me = null;
  },
  async whoami() {
    if (!me && session.key()) me = await api('GET', '/whoami');
    return me;
  },
};

export async function api(method, url, body) {
  const headers = {Authorization: 'Bearer ' + (session.key() ?? '')};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(url, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
  if (r.status === 204) return null;
  const type = r.headers.get('Content-Type') ?? '';
  const data = type.includes('json') ? await r.json() : await r.text();
  if (!r.ok) {
    const e = (data && data.error) || {};
    throw new ApiError(r.status, e.code ?? 'HTTP' + r.status, e.message ?? String(data), e.target);
  }
  return data;
}

/** Sends bytes with upload progress (fetch reports none): resolves to the parsed answer, rejects with ApiError. */
export function send(method, url, blob, onProgress) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open(method, url);
    x.setRequestHeader('Authorization', 'Bearer ' + (session.key() ?? ''));
    x.setRequestHeader('Content-Type', 'application/octet-stream');
    x.upload.onprogress = e => onProgress?.(e.loaded);
    x.onload = () => {
      let data = null;
      try { data = JSON.parse(x.responseText); } catch { data = null; }
      if (x.status >= 200 && x.status < 300) resolve(data);
      else {
        const e = (data && data.error) || {};
        reject(new ApiError(x.status, e.code ?? 'HTTP' + x.status, e.message ?? x.statusText, e.target));
      }
    };
    x.onerror = () => reject(new ApiError(0, 'NetworkError', 'the connection to the server broke off', null));
    x.send(blob);
  });
}
