const raw = '{"users":[{"name":"ana","age":31},{"name":"bo","age":27}]}';
const data = JSON.parse(raw);
data.users.sort((a, b) => a.age - b.age);
console.log(JSON.stringify(data, null, 2));
