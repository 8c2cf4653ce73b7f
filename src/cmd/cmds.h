/* cmds.h: the subcommands; each lives in src/cmd/NAME.c. Only these and main may exit. */
#ifndef LUPINE_CMDS_H
#define LUPINE_CMDS_H

int cmd_apps(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_bench_app(int argc, char **argv); /* `lupine bench app` */
int cmd_bench_report(int argc, char **argv); /* `lupine bench report` */
int cmd_bench_warm(int argc, char **argv); /* `lupine bench warm` */
int cmd_runc(int argc, char **argv); /* lupine-runc, the OCI runtime (argv[0] names it) */
int cmd_build(int argc, char **argv);
int cmd_kernel(int argc, char **argv);
int cmd_manifest(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);

#endif
