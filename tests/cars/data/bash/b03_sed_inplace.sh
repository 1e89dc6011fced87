sed -i 's/colour/color/g' docs/*.md
sed -n '1,5p' docs/intro.md
