// Compiled with tsc --noEmit (npm run lint): the typings accept real usage.
import { LRUCache, namedCaches } from '../..'

interface User {
  id: number
  name: string
}

const users = new LRUCache<string, User>({ max: 500, ttl: 60_000, name: 'users' })
users.set('u1', { id: 1, name: 'Ada' }).set('u2', { id: 2, name: 'Lin' }, { ttl: 1000 })
const u: User | undefined = users.get('u1', { updateAgeOnGet: true })
const left: number = users.getRemainingTTL('u1')
for (const [key, value] of users) console.log(key, value.name, u, left)
users.forEach(function (value, key) {
  console.log(key, value.id)
})

const sized = new LRUCache<string, Buffer>({
  maxSize: 1 << 20,
  sizeCalculation: (b) => b.length,
  dispose: (value, key, reason) => console.log(key, value.length, reason),
})
sized.set('a', Buffer.alloc(10))

const fetched = new LRUCache<string, User, { token: string }>({
  max: 100,
  fetchMethod: async (key, stale, { signal, context }) => {
    if (signal.aborted) return stale
    return { id: key.length, name: context.token }
  },
})
void fetched.fetch('x', { context: { token: 't' } }).then((v) => v?.name)
const s = users.stats()
console.log(s.hitRatio, namedCaches().length)
// @ts-expect-error an unknown policy is refused by the types
new LRUCache({ max: 1, policy: 'fifo' })

// The listener audit: ListenerAudit is a type (what auditListeners() returns), not a value.
import { auditListeners, currentAudit, ListenerAudit, type ListenerAuditRow } from '../..'
const audit: ListenerAudit = auditListeners({ stackThreshold: 5, ignoreNodeModules: true })
audit.onSuspect((row: ListenerAuditRow, stack: string) => console.log(row.site, row.live, stack))
const rows: ListenerAuditRow[] = audit.report()
const running: ListenerAudit | null = currentAudit()
console.log(rows.length, running?.stopped, audit.format(5), audit.stop().length)
// @ts-expect-error ListenerAudit is not exported at runtime, so it cannot be used with instanceof
console.log(audit instanceof ListenerAudit)

// The leak report: a line cut to fit its bound says how many classes and listener rows it left out.
import { monitorMemory, leakReport, type LeakReport } from '../..'
const watched = monitorMemory()
const reporting = leakReport(watched, {
  dir: '/tmp',
  onReport: (r: LeakReport) => console.log(r.classes.length, r.omitted?.classes, r.omitted?.listeners),
})
reporting.stop()
watched.stop()
