// Imported before any schema is built (schemas read the setting when they are made). A config
// is parsed once a run: zod's generated parsers (a `new Function` per object schema, compiled on
// first use and outside the bundle's code cache) cost more than they save.
import { config } from 'zod';

config({ jitless: true });
