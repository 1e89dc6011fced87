// Resolves a public name with both of Node's resolvers: dns.lookup
// (getaddrinfo) and dns.resolve4 (c-ares, its own DNS client). Both must
// fail; localhost must still resolve.
const dns = require('dns');

dns.lookup('example.com', (err, address) => {
  console.log(`lookup example.com: ${err ? 'failed' : address}`);
  dns.resolve4('example.com', (err, addresses) => {
    console.log(`resolve4 example.com: ${err ? 'failed' : addresses.join(' ')}`);
    dns.lookup('localhost', { family: 4 }, (err, address) => {
      console.log(`lookup localhost: ${err ? 'failed ' + err.code : address}`);
    });
  });
});
