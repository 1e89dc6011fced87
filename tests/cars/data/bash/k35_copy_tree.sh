mkdir -p out && cp -r src out/ && ls out/src | head
