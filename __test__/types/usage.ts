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
