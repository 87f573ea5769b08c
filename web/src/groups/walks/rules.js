// The rules the server applies to a phone's track (layers/groups/tracks.py `keep`, with the
// settings track_max_accuracy_m, track_max_speed_kmh and track_gap_s), applied here too so
// the walker sees as they walk what will be dropped. The server does not announce its
// settings to the pages, so these are its defaults (layers/store/settings.py); it applies
// its own again on upload, and the page then shows the server's figures.
export const RULES = { maxAccuracyM: 50, maxSpeedKmh: 60, gapS: 60 };

const EARTH_M = 6_371_008.8;
const rad = (deg) => (deg * Math.PI) / 180;

/** Metres between two fixes along the earth's surface (a sphere: within 0.5 % of the
 * server's GRS80 figure, plenty for a walker's screen). */
export function metres(a, b) {
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Filters fixes one at a time, as they arrive, keeping what the screen shows: the parts
 * (lines that never bridge a gap), the distance, the dropped counts and the gaps with their
 * lengths. Same order of checks as the server: accuracy, then a new part (new seg or a
 * gap longer than gapS), then speed from the last fix kept. */
export class Track {
  constructor(rules = RULES) {
    this.rules = rules;
    this.parts = [];
    this.last = null;
    this.kept = 0;
    this.distanceM = 0;
    this.droppedInaccurate = 0;
    this.droppedTooFast = 0;
    this.gaps = []; // {seconds, from, to} for each break between parts
  }

  /** Takes one fix ({lon, lat, t, acc, seg}); answers "kept", "inaccurate" or "too_fast". */
  add(fix) {
    const { maxAccuracyM, maxSpeedKmh, gapS } = this.rules;
    if (maxAccuracyM != null && (fix.acc || 0) > maxAccuracyM) {
      this.droppedInaccurate += 1;
      return "inaccurate";
    }
    const last = this.last;
    let newPart = last === null;
    if (last !== null) {
      const seconds = (Date.parse(fix.t) - Date.parse(last.t)) / 1000;
      if (fix.seg !== last.seg || (gapS != null && seconds > gapS)) {
        newPart = true;
        this.gaps.push({ seconds, from: last.t, to: fix.t });
      } else {
        const m = metres(last, fix);
        if (maxSpeedKmh != null && (m / Math.max(seconds, 1)) * 3.6 > maxSpeedKmh) {
          this.droppedTooFast += 1;
          return "too_fast";
        }
        this.distanceM += m;
      }
    }
    if (newPart) this.parts.push([]);
    this.parts[this.parts.length - 1].push([fix.lon, fix.lat]);
    this.last = fix;
    this.kept += 1;
    return "kept";
  }

  get dropped() {
    return this.droppedInaccurate + this.droppedTooFast;
  }

  /** The route so far as a MultiLineString's lines (a part of one fix is a dot, not a line). */
  lines() {
    return this.parts;
  }
}
