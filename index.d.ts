// Types of the public API. The addon's own typings are generated into
// binding.d.ts from the Rust doc comments; this file covers the JS layer.

// ---- Listener audit (lib/audit.js) ----
import type { EventEmitter as NodeEventEmitter } from 'node:events'

export interface AuditListenersOptions {
  /** Listeners of one event on one emitter from which each further add captures a call site. Default 3. */
  stackThreshold?: number
  /** Stack frames captured per attributed add (1..200). Default 16. */
  stackDepth?: number
  /** Attribute to the first frame outside node_modules (falls back to node_modules frames). Default false. */
  ignoreNodeModules?: boolean
  /** Length of one growth window in milliseconds. Default 10000. */
  windowMs?: number
  /** Window ends kept per row; `growth` covers windows - 1 windows. Default 6. */
  windows?: number
  /** Live listeners a call site needs before it can be a suspect. Default 10. */
  suspectLive?: number
  /** Consecutive growing windows that make a suspect (< windows). Default 3. */
  suspectWindows?: number
  /** Also hook EventTarget (AbortSignal, MessagePort, ...). Default true. */
  eventTarget?: boolean
  /** Print the call site behind each MaxListenersExceededWarning to stderr. Default true. */
  logWarnings?: boolean
  /** Print each suspect and its stack to stderr. Default false (true via startFromEnv). */
  logSuspects?: boolean
}

export interface ListenerAuditRow {
  /** `file:line:column` of the first user frame, or null for adds below stackThreshold. */
  site: string | null
  emitterClass: string
  event: string
  added: number
  removed: number
  /** Listeners that went away with their garbage-collected emitter. */
  dropped: number
  live: number
  peak: number
  /** Live-count change per closed window, oldest first. */
  growth: number[]
  /** A MaxListenersExceededWarning named this row's site. */
  maxListenersWarning: boolean
}

export interface MaxListenersWarningSite {
  emitterClass: string
  event: string
  count: number
  site: string | null
  stack: string | null
}

export declare class ListenerAudit extends NodeEventEmitter {
  readonly stopped: boolean
  /** Method names another wrapper had wrapped over ours when stop() ran (left in place, inert). */
  readonly leftWrapped: string[]
  report(): ListenerAuditRow[]
  format(top?: number): string
  warnings(): MaxListenersWarningSite[]
  /** Closes the current growth window now. */
  tick(): void
  onSuspect(fn: (row: ListenerAuditRow, stack: string) => void): this
  on(event: 'suspect', fn: (row: ListenerAuditRow, stack: string) => void): this
  stop(): string[]
}

export declare function auditListeners(options?: AuditListenersOptions): ListenerAudit
export declare function currentAudit(): ListenerAudit | null
/** Starts an audit when env.LEAKGUARD_AUDIT is "1" (LEAKGUARD_AUDIT_* options); returns it or null. */
export declare function startFromEnv(env?: Record<string, string | undefined>): ListenerAudit | null
