// The metric picker: chips grouped by what they measure, a filter with a "no match"
// line, and one tab stop for the whole list (arrow keys move inside, a roving tabindex).
import { GROUPS, type Metric } from './catalog.js'
import { text } from './format.js'

export interface PickerOptions {
  list: HTMLElement
  filter: HTMLInputElement
  kind: HTMLSelectElement
  none: HTMLElement
  onChange: (picked: ReadonlySet<string>) => void
}

const PICKED_KEY = 'kinds.webmgmt.picked'

export class Picker {
  readonly picked: Set<string>
  readonly #o: PickerOptions
  #metrics = new Map<string, Metric>()
  /** The chip that holds the list's tab stop. */
  #active: string | undefined

  constructor (options: PickerOptions) {
    this.#o = options
    this.picked = new Set(readPicked())
    options.filter.addEventListener('input', () => this.render())
    options.kind.addEventListener('change', () => this.render())
    options.list.addEventListener('click', event => {
      const chip = (event.target as HTMLElement).closest<HTMLElement>('.chip')
      if (chip !== null) this.#toggle(chip.dataset.key!)
    })
    options.list.addEventListener('keydown', event => this.#key(event))
  }

  /** The metrics on offer, as the catalog makes them from the keys seen so far. */
  offer (metrics: Map<string, Metric>): void {
    this.#metrics = metrics
    this.render()
  }

  render (): void {
    const { list, filter, kind, none } = this.#o
    const words = filter.value.trim().toLowerCase().split(/\s+/).filter(w => w !== '')
    const chosenKind = kind.value
    const matches = [...this.#metrics.values()].filter(m => words.length > 0
      ? words.every(w => `${m.label} ${m.id} ${m.group}`.toLowerCase().includes(w))
      : m.kind === undefined || m.kind === chosenKind || this.picked.has(m.id))
    const groups = new Map<string, Metric[]>()
    for (const m of matches) groups.set(m.group, [...groups.get(m.group) ?? [], m])
    const order = [...groups.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    const chips: HTMLElement[] = []
    const focused = list.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.key : undefined
    list.replaceChildren(...order.map((name, g) => {
      const group = document.createElement('div')
      group.className = 'chip-group'
      group.setAttribute('role', 'group')
      const label = text('span', name, 'chip-group-label')
      label.id = `chip-group-${g}`
      group.setAttribute('aria-labelledby', label.id)
      group.append(label)
      for (const m of groups.get(name)!) {
        const on = this.picked.has(m.id)
        const chip = text('button', m.label, on ? 'chip on' : 'chip') as HTMLButtonElement
        chip.type = 'button'
        chip.setAttribute('aria-pressed', String(on))
        chip.dataset.key = m.id
        chip.dataset.unit = m.unit
        chip.title = `${m.id} (${m.unit})`
        chip.tabIndex = -1
        chips.push(chip)
        group.append(chip)
      }
      return group
    }))
    none.hidden = chips.length > 0
    const stop = chips.find(c => c.dataset.key === this.#active) ?? chips[0]
    if (stop !== undefined) {
      stop.tabIndex = 0
      this.#active = stop.dataset.key
      if (focused !== undefined) stop.focus()
    }
  }

  #toggle (key: string): void {
    if (this.picked.has(key)) this.picked.delete(key)
    else this.picked.add(key)
    this.#active = key
    try {
      localStorage.setItem(PICKED_KEY, JSON.stringify([...this.picked]))
    } catch {}
    this.render()
    this.#o.onChange(this.picked)
  }

  #key (event: KeyboardEvent): void {
    const chips = [...this.#o.list.querySelectorAll<HTMLElement>('.chip')]
    const at = chips.indexOf(document.activeElement as HTMLElement)
    if (at < 0) return
    const step: Record<string, number> = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1, Home: -Infinity, End: Infinity }
    const move = step[event.key]
    if (move === undefined) return
    event.preventDefault()
    const next = chips[Math.max(0, Math.min(chips.length - 1, move === Infinity ? chips.length - 1 : move === -Infinity ? 0 : at + move))]!
    chips[at]!.tabIndex = -1
    next.tabIndex = 0
    this.#active = next.dataset.key
    next.focus()
  }
}

function rank (group: string): number {
  const i = GROUPS.indexOf(group)
  return i >= 0 ? i : group.startsWith('Kind ') ? -1 : GROUPS.length
}

function readPicked (): string[] {
  try {
    const stored = JSON.parse(localStorage.getItem(PICKED_KEY) ?? '["process.eventloop.delay", "process.rss"]') as unknown
    return Array.isArray(stored) ? stored.filter((k): k is string => typeof k === 'string') : []
  } catch {
    return []
  }
}
