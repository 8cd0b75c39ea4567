// A value made once per object (a stock worker, a planned worker) and shared by every output
// that reads it.

/** `make` called once for each key: later calls with the same key get what the first made. */
export function oncePer<K extends object, V>(make: (key: K) => V): (key: K) => V {
  const made = new WeakMap<K, V>();
  return (key) => {
    if (made.has(key)) return made.get(key) as V;
    const value = make(key);
    made.set(key, value);
    return value;
  };
}
