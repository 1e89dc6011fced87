const html = `
  <form action="/login" method="POST">
    <input type="password" name="password" placeholder="Password">
    <button>Sign in</button>
  </form>`;
console.log(html.trim().split("\n").length);
