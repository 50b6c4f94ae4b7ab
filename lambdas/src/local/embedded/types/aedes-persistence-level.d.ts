// aedes-persistence-level ships no types; aedes takes any persistence (`persistence?: any`).
declare module 'aedes-persistence-level' {
  import type { Level } from 'level';

  interface LevelPersistence {
    /** Closes the LevelDB store (aedes' own close() leaves the persistence open). */
    destroy(): Promise<void>;
  }

  function aedesPersistenceLevel(db: Level<string, string>): LevelPersistence;
  export = aedesPersistenceLevel;
}
