/**
 * A stand-in for the browser's EventSource that a test drives by hand: open
 * it, deliver frames, fail it (still retrying, or closed for good).
 */
export class FakeEventSource extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static created: FakeEventSource[] = [];

  readyState = FakeEventSource.CONNECTING;
  onopen: ((e: Event) => void) | null = null;
  onerror: ((e: Event) => void) | null = null;
  closedByClient = false;

  constructor(readonly url: string) {
    super();
    FakeEventSource.created.push(this);
  }

  static reset(): void {
    FakeEventSource.created = [];
  }

  static latest(): FakeEventSource {
    const last = FakeEventSource.created.at(-1);
    if (!last) throw new Error("no EventSource was created");
    return last;
  }

  /** The resume point the page asked for. */
  get lastEventIdParam(): string | null {
    return new URL(this.url, "http://x").searchParams.get("last_event_id");
  }

  open(): void {
    this.readyState = FakeEventSource.OPEN;
    this.onopen?.(new Event("open"));
  }

  emit(type: string, id: number, data: unknown): void {
    this.dispatchEvent(new MessageEvent(type, { data: JSON.stringify(data), lastEventId: String(id) }));
  }

  /** A dropped connection the browser will retry by itself (readyState CONNECTING). */
  drop(): void {
    this.readyState = FakeEventSource.CONNECTING;
    this.onerror?.(new Event("error"));
  }

  /** A failure the browser gives up on (e.g. a non-200 answer): readyState CLOSED. */
  fail(): void {
    this.readyState = FakeEventSource.CLOSED;
    this.onerror?.(new Event("error"));
  }

  close(): void {
    this.readyState = FakeEventSource.CLOSED;
    this.closedByClient = true;
  }
}

export const createFakeSource = (url: string) => new FakeEventSource(url) as unknown as EventSource;
