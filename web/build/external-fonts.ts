import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Plugin } from 'vite';

/**
 * Cloudscape's global styles embed the eight Open Sans faces as base64 data URLs (~140 kB
 * gzip of CSS that blocks the first paint, though a page uses two or three faces). This
 * writes each face to a .woff2 file (under node_modules/.cache) and points the CSS at it, so
 * Vite emits it as a hashed asset: fetched only when a page uses that face, cached for good,
 * with text shown in a fallback font meanwhile (font-display: swap).
 */
export function externalFonts(): Plugin {
  return {
    name: 'marrow:external-fonts',
    enforce: 'pre',
    apply: 'build',
    transform(code, id) {
      const file = id.split('?')[0]!;
      if (!/@cloudscape-design\/global-styles\/index\.css$/.test(file)) return null;
      const cache = join(file, '../../../.cache/marrow-fonts');
      mkdirSync(cache, { recursive: true });
      const rewritten = code
        .replace(/url\(['"]?data:font\/woff2;base64,([A-Za-z0-9+/=]+)['"]?\)/g, (_match, base64: string) => {
          const source = Buffer.from(base64, 'base64');
          const path = join(cache, `open-sans-${createHash('sha256').update(source).digest('hex').slice(0, 12)}.woff2`);
          writeFileSync(path, source);
          return `url('./${relative(dirname(file), path)}')`;
        })
        .replace(/@font-face\s*\{/g, '@font-face { font-display: swap;');
      return { code: rewritten, map: null };
    },
  };
}
