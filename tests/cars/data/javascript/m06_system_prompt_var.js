const systemPromptTemplate = "You are a helpful assistant that summarises articles.";
function buildMessages(article) {
  return [
    { role: "system", content: systemPromptTemplate },
    { role: "user", content: article },
  ];
}
console.log(buildMessages("Cats are great.").length);
