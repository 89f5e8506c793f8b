// The receive time tickgate stamps on each tick (its `recvTs`), and the one the offline validator
// judges by when it reads the wall clock.

/** Now in µs since the epoch (sub-ms precision from the monotonic clock). */
export const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);
