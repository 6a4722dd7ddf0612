/* Start-up for QEMU's mps2-an386 (Cortex-M4): the vector table, the reset handler (copy .data,
   zero .bss, paint the stack, run the C++ constructors and main, exit through semihosting)
   and the few system hooks newlib wants on bare metal. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

extern uint32_t __data_start__, __data_end__, __data_load__, __bss_start__, __bss_end__;
extern uint32_t __stack_top__, __stack_limit__;

extern void __libc_init_array(void);
extern int main(void);

void reset_handler(void);
void fault_handler(void);
void default_handler(void);
void systick_handler(void);

/* Paint for stack_high_water(): the stack is filled with it before main runs. */
#define STACK_PAINT 0xC5C5C5C5u

/* An entry is the initial stack pointer or a handler. */
typedef union {
  void* stack;
  void (*handler)(void);
} vector_entry;

#define H(fn) {.handler = fn}
#define UNUSED4 H(default_handler), H(default_handler), H(default_handler), H(default_handler)

/* The first 16 entries are the Cortex-M exceptions; the board's 32 interrupts follow, unused. */
__attribute__((section(".isr_vector"), used)) const vector_entry vector_table[16 + 32] = {
    {.stack = &__stack_top__},
    H(reset_handler),
    H(default_handler), /* NMI */
    H(fault_handler),   /* HardFault */
    H(fault_handler),   /* MemManage */
    H(fault_handler),   /* BusFault */
    H(fault_handler),   /* UsageFault */
    H(0), H(0), H(0), H(0),
    H(default_handler), /* SVCall */
    H(default_handler), /* DebugMonitor */
    H(0),
    H(default_handler), /* PendSV */
    H(systick_handler), /* SysTick */
    UNUSED4, UNUSED4, UNUSED4, UNUSED4, UNUSED4, UNUSED4, UNUSED4, UNUSED4,
};

/* Semihosting, for the handlers that cannot trust the C library. */
static int semihost(int op, const void* arg) {
  register int r0 __asm__("r0") = op;
  register const void* r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

/* Ends the program with an exit status QEMU passes on. */
__attribute__((noreturn)) static void exit_with(int status) {
  /* SYS_EXIT with ADP_Stopped_ApplicationExit and a status (the 64-bit form QEMU accepts). */
  uint32_t block[2] = {0x20026u, (uint32_t)status};
  semihost(0x20 /* SYS_EXIT_EXTENDED */, block);
  semihost(0x18 /* SYS_EXIT */, (const void*)0x20026u);
  for (;;) {
  }
}

__attribute__((noreturn)) static void halt(const char* why, int status) {
  semihost(0x04 /* SYS_WRITE0 */, why);
  exit_with(status);
}

/* The C library's abort() raises SIGABRT through its signal emulation; nothing here handles
   signals (libstdc++'s operator new calls abort when memory runs out; the engine never uses it). */
void abort(void) { halt("FATAL: abort\n", 3); }

void fault_handler(void) { halt("FATAL: processor fault (HardFault/MemManage/BusFault/UsageFault)\n", 3); }
void default_handler(void) { halt("FATAL: unexpected interrupt\n", 3); }

void reset_handler(void) {
  memcpy(&__data_start__, &__data_load__, (size_t)((char*)&__data_end__ - (char*)&__data_start__));
  memset(&__bss_start__, 0, (size_t)((char*)&__bss_end__ - (char*)&__bss_start__));
  /* Paint the stack below this frame (with some margin) to measure its high-water mark later. */
  uint32_t* sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  for (uint32_t* p = &__stack_limit__; p < sp - 16; ++p) *p = STACK_PAINT;
  /* No newlib stdio streams: the console is written through semihosting directly (board.cpp's
     print), so newlib's semihosting handles (initialise_monitor_handles) are not set up. */
  __libc_init_array();
  exit_with(main());
}

/* Bytes of stack ever used (the painted words that were overwritten). */
size_t stack_high_water(void) {
  const uint32_t* p = &__stack_limit__;
  while (p < &__stack_top__ && *p == STACK_PAINT) ++p;
  return (size_t)((const char*)&__stack_top__ - (const char*)p);
}

size_t stack_size(void) { return (size_t)((const char*)&__stack_top__ - (const char*)&__stack_limit__); }

/* Hooks newlib and libstdc++ expect. */
void* __dso_handle = 0;
void _init(void) {}
void _fini(void) {}

/* The heap between .bss and the stack (the linker script's end and __heap_limit__): the engine
   takes nothing from it (its memory is the arena), the self-test's Reply values do. Defined here
   rather than taken from the semihosting library, whose _sbrk object brings its file and console
   calls and newlib's stdio initialisation with it. */
extern char end, __heap_limit__;
void* _sbrk(ptrdiff_t increment) {
  static char* brk = &end;
  if (increment > (ptrdiff_t)(&__heap_limit__ - brk) || increment < (ptrdiff_t)(&end - brk)) return (void*)-1;
  char* old = brk;
  brk += increment;
  return old;
}

/* The engine takes randomness from its own seeded generator; nothing here needs entropy. */
int getentropy(void* buffer, size_t length) {
  memset(buffer, 0, length);
  return 0;
}
