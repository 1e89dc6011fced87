const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function poll(check, tries = 5) {
  for (let i = 0; i < tries; i++) {
    if (await check()) return true;
    await sleep(100 * (i + 1));
  }
  return false;
}

poll(async () => Math.random() > 0.5).then((ok) => console.log("ready:", ok));
