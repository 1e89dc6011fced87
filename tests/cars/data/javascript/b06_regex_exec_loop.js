const re = /(\w+)=(\d+)/g;
const text = "a=1 b=22 c=333";
let m;
const pairs = {};
while ((m = re.exec(text)) !== null) {
  pairs[m[1]] = Number(m[2]);
}
console.log(pairs);
