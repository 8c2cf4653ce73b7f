/* kexpr.h: evaluate Kconfig dependency expressions against a resolved .config. */
#ifndef LUPINE_KEXPR_H
#define LUPINE_KEXPR_H

#include "kernel/kconfig.h"

/* Value of a "depends on" expression (&&, ||, !, =, !=, parentheses) with
 * the symbols' values from cfg (sorted): 0 n, 1 m, 2 y. $(...) counts as y. */
int kexpr_eval(const char *expr, const struct kconfig_frag *cfg);

/* Appends "CONFIG_A, CONFIG_B are not set; add them to the fragment" for the
 * symbols of expr that cfg leaves unset. */
void kexpr_unset(const char *expr, const struct kconfig_frag *cfg, struct strbuf *out);

#endif
