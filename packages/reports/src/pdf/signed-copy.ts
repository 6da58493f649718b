import { PDFDocument as PdfLibDocument } from 'pdf-lib';
import PDFDocument from 'pdfkit';
import { assertFonts, FONT_BOLD, FONT_REGULAR } from '../fonts.ts';
import type { ReportSignature } from '../types.ts';
import { drawSignatures } from './render-pdf.ts';

const MARGIN = 36;

/** A signature as the signed copy's last page prints it: the manifestation plus its id to verify. */
export interface SignedCopySignature extends ReportSignature {
  id: string;
}

export interface SignedCopyInput {
  /** The original file's name as downloaded, e.g. "CDISC01 Overview 2026-12-06 1514.pdf". */
  fileName: string;
  /** The original file's SHA-256: what every signature on the page is bound to. */
  originalSha256: string;
  /** Oldest first. */
  signatures: readonly SignedCopySignature[];
  /** When the copy is made, printed with the zone given (the signatures' verification is as of then). */
  madeAt: string;
}

/** The footer of the appended page: it is outside the original's numbering ("Page i of N"). */
export function signaturePageFooter(originalPages: number): string {
  return `Signature page, appended to a document of ${originalPages} ${originalPages === 1 ? 'page' : 'pages'} (not part of its page numbering)`;
}

/** The "Electronic signatures" page alone, at the size of the original's last page. */
async function signaturePage(input: SignedCopyInput, size: [number, number], originalPages: number): Promise<Buffer> {
  assertFonts();
  const doc = new PDFDocument({ size, margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN } });
  doc.registerFont('Sans', FONT_REGULAR);
  doc.registerFont('Sans-Bold', FONT_BOLD);
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });
  const left = MARGIN;
  const width = doc.page.width - 2 * MARGIN;
  doc.font('Sans-Bold').fontSize(16).fillColor('#0f172a').text('Electronic signatures', left, MARGIN, { width });
  doc.moveDown(0.4);
  doc
    .font('Sans')
    .fontSize(9)
    .fillColor('#334155')
    .text(
      `This page was appended to the exported file "${input.fileName}". The signatures below are bound to that original file, as exported, through its SHA-256 (21 CFR 11.50, 11.70); this signed copy, with this page, has a hash of its own.`,
      left,
      doc.y,
      { width },
    );
  doc.moveDown(0.6);
  doc.font('Sans-Bold').fontSize(9).fillColor('#0f172a').text('SHA-256 of the original file', left, doc.y, { width });
  doc.font('Sans').fontSize(9).text(input.originalSha256, left, doc.y, { width });
  doc.moveDown(0.8);
  drawSignatures(doc, input.signatures, left, width);
  doc.moveDown(0.4);
  doc
    .font('Sans')
    .fontSize(8)
    .fillColor('#64748b')
    .text(
      `Verification as of ${input.madeAt}. To check again: compute the SHA-256 of the original file (for example "sha256sum"), or ask CDP: GET /api/signatures/<id>/verify with the ids ${input.signatures.map((s) => s.id).join(', ')}.`,
      left,
      doc.y,
      { width },
    );
  // The footer sits where the original's footers do; writing below the margin must not add a page.
  const bottom = doc.page.margins.bottom;
  doc.page.margins.bottom = 0;
  doc
    .font('Sans')
    .fontSize(7.5)
    .fillColor('#64748b')
    .text(signaturePageFooter(originalPages), left, doc.page.height - MARGIN - 10, {
      width,
      align: 'right',
      lineBreak: false,
    });
  doc.page.margins.bottom = bottom;
  doc.end();
  await ended;
  return Buffer.concat(chunks);
}

/**
 * The signed copy of an exported PDF: every page of the original, unchanged, then a final
 * "Electronic signatures" page (printed names, meanings, local times with zones, the original's
 * SHA-256 and the verification). The original stays as it was, since its signatures bind to its
 * hash; this copy is a second file. The original's pages keep their "Page i of N" footers: they are
 * the pages the signers signed, and re-stamping them would change what a signed page shows. The
 * appended page is therefore numbered outside them, saying so in its footer
 * ("Signature page, appended to a document of N pages").
 */
export async function signedPdfCopy(original: Uint8Array, input: SignedCopyInput): Promise<Buffer> {
  if (input.signatures.length === 0) throw new Error('a signed copy needs at least one signature');
  const doc = await PdfLibDocument.load(original, { updateMetadata: false });
  const last = doc.getPage(doc.getPageCount() - 1);
  const { width, height } = last.getSize();
  const page = await PdfLibDocument.load(await signaturePage(input, [width, height], doc.getPageCount()));
  const copied = await doc.copyPages(page, page.getPageIndices());
  for (const p of copied) doc.addPage(p);
  return Buffer.from(await doc.save());
}
