import { existsSync } from 'node:fs';

/**
 * DejaVu (Debian `fonts-dejavu-core`): wide Unicode coverage (Latin, Greek, Cyrillic, symbols such
 * as ≥ and ±), and the same files for the PDF (embedded, subset) and for the PNG rasteriser.
 * `CDP_FONT_DIR` points elsewhere when a system keeps them in another folder.
 */
export const FONT_DIR = process.env.CDP_FONT_DIR ?? '/usr/share/fonts/truetype/dejavu';
export const FONT_FAMILY_NAME = 'DejaVu Sans';
export const FONT_REGULAR = `${FONT_DIR}/DejaVuSans.ttf`;
export const FONT_BOLD = `${FONT_DIR}/DejaVuSans-Bold.ttf`;

/** A clear error rather than a PDF silently drawn in Helvetica without ≥ or non-Latin names. */
export function assertFonts(): void {
  for (const file of [FONT_REGULAR, FONT_BOLD]) {
    if (!existsSync(file)) {
      throw new Error(
        `Export font ${file} is missing: install the Debian package fonts-dejavu-core, or set CDP_FONT_DIR to a folder holding DejaVuSans.ttf and DejaVuSans-Bold.ttf.`,
      );
    }
  }
}
