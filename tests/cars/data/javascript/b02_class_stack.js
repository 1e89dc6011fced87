class Stack {
  #items = [];
  push(x) { this.#items.push(x); return this; }
  pop() { return this.#items.pop(); }
  get size() { return this.#items.length; }
}
const s = new Stack().push(1).push(2).push(3);
console.log(s.pop(), s.size);
