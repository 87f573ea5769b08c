// The phone's side of recording: geolocation.watchPosition with high accuracy (every fix
// handed on as it arrives), and the Screen Wake Lock where the browser has it, taken again
// whenever the page comes back to the front (the browser lets it go when the page hides).

export class Recorder {
  constructor({ onFix, onError }) {
    this.onFix = onFix;
    this.onError = onError;
    this.watchId = null;
    this.lock = null;
    this.wanted = false;
  }

  get supported() {
    return "geolocation" in navigator;
  }

  get wakeLockSupported() {
    return "wakeLock" in navigator;
  }

  start() {
    this.wanted = true;
    this.keepAwake();
    if (this.watchId !== null || !this.supported) return;
    this.watchId = navigator.geolocation.watchPosition(
      (position) => {
        const c = position.coords;
        this.onFix({
          lon: Math.round(c.longitude * 1e7) / 1e7,
          lat: Math.round(c.latitude * 1e7) / 1e7,
          t: new Date(position.timestamp || Date.now()).toISOString(),
          acc: Number.isFinite(c.accuracy) ? Math.round(c.accuracy * 10) / 10 : null,
          ele: Number.isFinite(c.altitude) ? Math.round(c.altitude * 10) / 10 : null,
        });
      },
      (error) => this.onError(error),
      // maximumAge 0: a reloaded page must not be handed an old cached place as new.
      { enableHighAccuracy: true, maximumAge: 0, timeout: 60_000 },
    );
  }

  stop() {
    this.wanted = false;
    if (this.watchId !== null) navigator.geolocation.clearWatch(this.watchId);
    this.watchId = null;
    this.release();
  }

  /** Whether the screen is being kept on (the lock is held now). */
  get awake() {
    return Boolean(this.lock && !this.lock.released);
  }

  async keepAwake() {
    if (!this.wanted || !this.wakeLockSupported || this.awake || document.visibilityState !== "visible") return;
    try {
      this.lock = await navigator.wakeLock.request("screen");
      this.lock.addEventListener("release", () => this.onLockChange?.());
    } catch {
      this.lock = null; // refused (battery saver, or no user gesture yet): the tips say what to do
    }
    this.onLockChange?.();
  }

  release() {
    this.lock?.release().catch(() => {});
    this.lock = null;
  }
}
