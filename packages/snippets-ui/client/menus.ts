// The header menus (Sections on narrow screens, Modules): they close on Escape, on a
// click elsewhere or once an entry is chosen; the chosen section gets the focus and a mark.

export function setUpMenus (menus: HTMLDetailsElement[]): void {
  for (const menu of menus) {
    menu.addEventListener('toggle', () => {
      if (menu.open) for (const other of menus) if (other !== menu) other.open = false
    })
    menu.addEventListener('click', event => {
      if ((event.target as HTMLElement).closest('a') !== null) menu.open = false
    })
  }
  document.addEventListener('click', event => {
    for (const menu of menus) if (!menu.contains(event.target as Node)) menu.open = false
  })
  document.addEventListener('keydown', event => {
    if (event.key !== 'Escape') return
    for (const menu of menus) {
      if (!menu.open) continue
      menu.open = false
      menu.querySelector('summary')?.focus()
    }
  })
  window.addEventListener('hashchange', () => choose(location.hash))
  if (location.hash !== '') choose(location.hash)
}

/** Focus and mark the section an in-page link points at. */
function choose (hash: string): void {
  const id = decodeURIComponent(hash.slice(1))
  const target = id === '' ? null : document.getElementById(id)
  if (target === null || target.tagName !== 'SECTION') return
  for (const el of document.querySelectorAll('.chosen')) el.classList.remove('chosen')
  for (const a of document.querySelectorAll('a[aria-current]')) a.removeAttribute('aria-current')
  target.classList.add('chosen')
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a')) {
    if (a.hash === hash) a.setAttribute('aria-current', 'location')
  }
  if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1')
  target.focus({ preventScroll: true })
}
