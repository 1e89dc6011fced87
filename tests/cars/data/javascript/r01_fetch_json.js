const res = await fetch("https://api.github.com/repos/nodejs/node");
const repo = await res.json();
console.log(repo.full_name, repo.stargazers_count);
