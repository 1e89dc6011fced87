#!/bin/bash
rm -rf ./build ./dist
mkdir -p build
cp -r src/* build/
echo "clean build tree ready"
