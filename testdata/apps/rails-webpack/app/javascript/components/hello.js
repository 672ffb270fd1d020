export function greeting(name) {
  return `Hello, ${name}!`
}

export function mountHello(selector) {
  const el = document.querySelector(selector)
  if (el) el.textContent = greeting(el.dataset.name)
}
