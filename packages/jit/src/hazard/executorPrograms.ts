/**
 * The executor programs of the shipped scenarios, one per arch (GNU
 * assembly): call the target, record the value it sets, wait for the
 * writer's flag, call the target again, record the value again (see
 * `ExecutorProgram`). The old code sets 1, the new code 2.
 *
 * @module
 */

import type { ExecutorProgram } from './checkProtocol';

const RISCV: ExecutorProgram = {
  executor: `li a0, {{target}}
li a1, {{flag}}
li a2, {{result}}
jalr ra, 0(a0)
sd s0, 0(a2)
wait:
ld t0, 0(a1)
beqz t0, wait
jalr ra, 0(a0)
sd s0, 8(a2)
halt:
wfi
j halt`,
  oldCode: 'li s0, 1\nret',
  newCode: 'li s0, 2\nret',
  oldValue: 1n,
  newValue: 2n,
};

const ARM64: ExecutorProgram = {
  executor: `adr x0, {{target}}
adr x1, {{flag}}
adr x2, {{result}}
blr x0
str x19, [x2]
wait:
ldr x3, [x1]
cbz x3, wait
blr x0
str x19, [x2, #8]
halt:
wfi
b halt`,
  oldCode: 'mov x19, #1\nret',
  newCode: 'mov x19, #2\nret',
  oldValue: 1n,
  newValue: 2n,
};

const X86: ExecutorProgram = {
  executor: `movabs $\{{target}}, %rax
movabs $\{{flag}}, %rcx
movabs $\{{result}}, %rdx
movabs $\{{stack}}, %rsp
call *%rax
mov %rbx, (%rdx)
wait:
mov (%rcx), %rsi
test %rsi, %rsi
jz wait
call *%rax
mov %rbx, 8(%rdx)
halt:
hlt
jmp halt`,
  oldCode: 'mov $1, %ebx\nret',
  newCode: 'mov $2, %ebx\nret',
  oldValue: 1n,
  newValue: 2n,
};

/** Executor programs by `Arch.name`. */
export const EXECUTOR_PROGRAMS: Readonly<Record<string, ExecutorProgram>> = {
  riscv64: RISCV,
  arm64: ARM64,
  x86_64: X86,
};
