import { formatNumber } from '../../lib/format.js';

/** Average advance of an 11 px Verdana-like glyph; the badge is sized from it, not measured. */
const CHAR_WIDTH = 6.8;
const PADDING = 8;

/**
 * A small counter for the shop's own website, embedded as an <img>: an SVG with nothing but
 * shapes and text (no script, no style element, no external reference).
 */
export function badgeSvg(trapWeeks: number): string {
  const value = formatNumber(trapWeeks);
  const label = trapWeeks === 1 ? 'camera-trap-week funded' : 'camera-trap-weeks funded';
  const labelWidth = Math.round(label.length * CHAR_WIDTH + 2 * PADDING);
  const valueWidth = Math.round(value.length * CHAR_WIDTH + 2 * PADDING);
  const width = labelWidth + valueWidth;
  const text = escapeXml(`${value} ${label} by Critically Endangered Socks`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" viewBox="0 0 ${width} 20"`,
    ` role="img" aria-label="${text}">`,
    `<title>${text}</title>`,
    `<rect width="${labelWidth}" height="20" rx="3" fill="#3b2a1a"/>`,
    `<rect x="${labelWidth}" width="${valueWidth}" height="20" rx="3" fill="#f0b429"/>`,
    `<rect x="${labelWidth}" width="4" height="20" fill="#f0b429"/>`,
    `<g font-family="Verdana,DejaVu Sans,sans-serif" font-size="11" text-anchor="middle">`,
    `<text x="${labelWidth / 2}" y="14" fill="#ffffff">${label}</text>`,
    `<text x="${labelWidth + valueWidth / 2}" y="14" fill="#1d1d1b" font-weight="bold">${escapeXml(value)}</text>`,
    `</g>`,
    `</svg>`,
  ].join('');
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
