/**
 * The slice of the Reflect metadata API that @peculiar/x509's dependency tsyringe
 * checks for at load time (getMetadata, getOwnMetadata, defineMetadata). No polyfill
 * package is installed (reflect-metadata would be the standard one); this must be
 * imported before @peculiar/x509. It defines nothing if a polyfill is already present.
 */
type Key = string | symbol;
const store = new WeakMap<object, Map<Key | undefined, Map<unknown, unknown>>>();

function own(target: object, prop: Key | undefined, create: boolean): Map<unknown, unknown> | undefined {
  let byProp = store.get(target);
  if (!byProp) {
    if (!create) return undefined;
    store.set(target, (byProp = new Map<Key | undefined, Map<unknown, unknown>>()));
  }
  let m = byProp.get(prop);
  if (!m && create) byProp.set(prop, (m = new Map<unknown, unknown>()));
  return m;
}

const R = Reflect as unknown as Record<string, unknown>;
if (typeof R.getMetadata !== 'function') {
  R.defineMetadata = (key: unknown, value: unknown, target: object, prop?: Key): void => void own(target, prop, true)!.set(key, value);
  R.getOwnMetadata = (key: unknown, target: object, prop?: Key): unknown => own(target, prop, false)?.get(key);
  R.getMetadata = (key: unknown, target: object, prop?: Key): unknown => {
    for (let t: object | null = target; t !== null; t = Object.getPrototypeOf(t) as object | null) {
      const m = own(t, prop, false);
      if (m?.has(key)) return m.get(key);
    }
    return undefined;
  };
}
