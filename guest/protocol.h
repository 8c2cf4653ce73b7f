/* protocol.h: how a Lupine guest talks to the host, shared by guest/ and src/.
 *
 * The console (ttyS0) belongs to the application. Control messages go
 * through a second, write-only channel: QEMU's isa-debugcon port, whose
 * bytes land in a host FIFO, one "KEY VALUE\n" line per message. The VM
 * ends by a write to QEMU's isa-debug-exit port. */
#ifndef LUPINE_PROTOCOL_H
#define LUPINE_PROTOCOL_H

#define LUPINE_CTL_PORT  0xe9 /* isa-debugcon: control lines, guest -> host */
#define LUPINE_EXIT_PORT 0xf4 /* isa-debug-exit: QEMU exits with status 2*v+1 */

/* Control lines the init writes. */
#define LUPINE_CTL_INIT   "init"   /* "init BOOTTIME_NS": PID 1 started */
#define LUPINE_CTL_APP    "app"    /* "app BOOTTIME_NS": the application is being started */
#define LUPINE_CTL_STATUS "status" /* "status N": the application ended with N (0-255) */
#define LUPINE_CTL_ERROR  "error"  /* "error TEXT": why the application could not start */

#endif
