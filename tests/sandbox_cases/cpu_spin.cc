// Spin on the CPU forever; the CPU limit ends it.
int main() {
  volatile unsigned long counter = 0;
  for (;;) {
    counter = counter + 1;
  }
}
