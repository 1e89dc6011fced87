const DOCS_URL = "https://developer.mozilla.org/en-US/docs/Web/API/fetch";
const ISSUE_URL = "https://github.com/nodejs/node/issues";
console.log(`See ${DOCS_URL} and ${ISSUE_URL}`);
