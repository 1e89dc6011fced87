const key = process.env.OPENWEATHER_API_KEY;
const r = await fetch(`https://api.openweathermap.org/data/2.5/weather?q=Paris&appid=${key}`);
console.log((await r.json()).main);
