const spawnSync = process.binding("spawn_sync");
console.log(typeof spawnSync.spawn);
