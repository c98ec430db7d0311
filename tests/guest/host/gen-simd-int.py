#!/usr/bin/env python3
# Writes tests/guest/simd-int-table.h: the instruction forms the guest
# test simd-int (and the host oracle) run, one small asm function each.
import os
import re

here = os.path.dirname(os.path.abspath(__file__))

xmm_ops = """paddb paddw paddd paddq psubb psubw psubd psubq paddsb paddsw paddusb paddusw
psubsb psubsw psubusb psubusw pmullw pmulhw pmulhuw pmuludq pmaddwd psadbw pavgb pavgw
pminub pmaxub pminsw pmaxsw pcmpeqb pcmpeqw pcmpeqd pcmpgtb pcmpgtw pcmpgtd
psllw pslld psllq psrlw psrld psrlq psraw psrad packsswb packssdw packuswb
punpcklbw punpcklwd punpckldq punpcklqdq punpckhbw punpckhwd punpckhdq punpckhqdq
pand pandn por pxor andps andpd andnps andnpd orps orpd xorps xorpd
unpcklps unpckhps unpcklpd unpckhpd""".split()
xmm_ssse3 = """pshufb phaddw phaddd phaddsw phsubw phsubd phsubsw pmaddubsw pmulhrsw
psignb psignw psignd pabsb pabsw pabsd""".split()
xmm_sse41 = """pminsb pmaxsb pminuw pmaxuw pminsd pmaxsd pminud pmaxud pmulld pmuldq pcmpeqq
packusdw pmovsxbw pmovsxbd pmovsxbq pmovsxwd pmovsxwq pmovsxdq pmovzxbw pmovzxbd pmovzxbq
pmovzxwd pmovzxwq pmovzxdq phminposuw pcmpgtq""".split()
mmx_ops = """paddb paddw paddd paddq psubb psubw psubd psubq paddsb paddsw paddusb paddusw
psubsb psubsw psubusb psubusw pmullw pmulhw pmulhuw pmuludq pmaddwd psadbw pavgb pavgw
pminub pmaxub pminsw pmaxsw pcmpeqb pcmpeqw pcmpeqd pcmpgtb pcmpgtw pcmpgtd
psllw pslld psllq psrlw psrld psrlq psraw psrad packsswb packssdw packuswb
punpcklbw punpcklwd punpckldq punpckhbw punpckhwd punpckhdq pand pandn por pxor
pshufb phaddw phaddd phaddsw phsubw phsubd phsubsw pmaddubsw pmulhrsw
psignb psignw psignd pabsb pabsw pabsd""".split()
imm_xmm = [("pshufd", [0x1b, 0xe4, 0x4e]), ("pshufhw", [0x1b, 0x93]), ("pshuflw", [0x1b, 0x39]),
           ("shufps", [0x1b, 0xb1]), ("shufpd", [0, 1, 2, 3]), ("palignr", [0, 3, 8, 15, 16, 20, 32]),
           ("pblendw", [0x5a, 0xff]), ("blendps", [5, 0xa]), ("blendpd", [1, 2]),
           ("mpsadbw", [0, 1, 2, 3, 4, 5, 6, 7]), ("insertps", [0x00, 0x1c, 0x65, 0xf3])]
imm_mmx = [("pshufw", [0x1b, 0xe4]), ("palignr", [0, 3, 8, 12, 16])]
shift_imm = ["psllw", "pslld", "psllq", "psrlw", "psrld", "psrlq", "psraw", "psrad"]
shift_cnts = [0, 1, 7, 15, 16, 31, 33, 63, 64, 200]
blendv = ["pblendvb", "blendvps", "blendvpd"]

entries = []
funcs = []
def add(name, body):
    ident = "t%d" % len(entries)
    funcs.append("static void %s(const void *a, const void *b, void *r)\n{\n    __asm__ volatile(%s\n                     : : \"r\"(a), \"r\"(b), \"r\"(r)\n                     : \"memory\", \"cc\", \"rax\", \"rcx\", \"rdx\", \"rdi\");\n}\n" % (ident, body))
    entries.append('    { "%s", %s },' % (name, ident))

def xbody(insn):
    return '"movdqa (%%0), %%%%xmm2\\n\\t"\n                     "movdqa (%%1), %%%%xmm9\\n\\t"\n                     "%s\\n\\t"\n                     "movdqa %%%%xmm2, (%%2)"' % insn

def mbody(insn):
    return '"movq (%%0), %%%%mm2\\n\\t"\n                     "movq (%%1), %%%%mm5\\n\\t"\n                     "%s\\n\\t"\n                     "movq %%%%mm2, (%%2)\\n\\t"\n                     "emms"' % insn

for op in xmm_ops + xmm_ssse3 + xmm_sse41:
    add(op + " xmm", xbody("%s %%%%xmm9, %%%%xmm2" % op))
    add(op + " m128", xbody("%s (%%1), %%%%xmm2" % op) if not op.startswith("pmov") else xbody("%s 8(%%1), %%%%xmm2" % op))
for op in mmx_ops:
    add(op + " mm", mbody("%s %%%%mm5, %%%%mm2" % op))
    add(op + " m64", mbody("%s (%%1), %%%%mm2" % op))
for op, imms in imm_xmm:
    for i in imms:
        add("%s $%d" % (op, i), xbody("%s $%d, %%%%xmm9, %%%%xmm2" % (op, i)))
    add("%s $%d m" % (op, imms[-1]), xbody("%s $%d, %s, %%%%xmm2" % (op, imms[-1], "4(%1)" if op == "insertps" else "(%1)")))
for op, imms in imm_mmx:
    for i in imms:
        add("%s $%d mm" % (op, i), mbody("%s $%d, %%%%mm5, %%%%mm2" % (op, i)))
for op in shift_imm:
    for c in shift_cnts:
        if c > 255: continue
        add("%s $%d" % (op, c), xbody("%s $%d, %%%%xmm2" % (op, c)))
        add("%s $%d mm" % (op, c), mbody("%s $%d, %%%%mm2" % (op, c)))
for c in [0, 1, 5, 15, 16, 100]:
    add("pslldq $%d" % c, xbody("pslldq $%d, %%%%xmm2" % c))
    add("psrldq $%d" % c, xbody("psrldq $%d, %%%%xmm2" % c))
for op in blendv:
    add(op, '"movdqa (%1), %%xmm0\\n\\t"\n                     ' + xbody("%s %%%%xmm0, %%%%xmm9, %%%%xmm2" % op).replace('"movdqa (%1), %%xmm9', '"movdqa 16(%0), %%xmm9'))
for op in ["movsldup", "movshdup", "movddup"]:
    add(op, xbody("%s %%%%xmm9, %%%%xmm2" % op))
    add(op + " m", xbody("%s (%%1), %%%%xmm2" % op))

def raw(name, lines):
    lines = [re.sub(r"%([a-z])", r"%%\1", l.replace("%%", "%")) for l in lines]
    add(name, "\n                     ".join('"%s\\n\\t"' % l for l in lines[:-1]) +
        ("\n                     " if len(lines) > 1 else "") + '"%s"' % lines[-1])

PRE = ["movdqa (%0), %%xmm2", "movdqa (%1), %%xmm9"]
OUT = ["movdqa %%xmm2, (%2)"]
MPRE = ["movq (%0), %%mm2", "movq (%1), %%mm5"]
RAX = ["movq %%rax, (%2)"]
FLAGS = ["pushfq", "popq %%rax", "andq $0x8d5, %%rax", "movq %%rax, 8(%2)"]
# sign masks, extracts, inserts
raw("pmovmskb xmm", PRE + ["pmovmskb %%xmm9, %%eax"] + RAX)
raw("pmovmskb mm", MPRE + ["pmovmskb %%mm5, %%eax"] + RAX + ["emms"])
raw("movmskps", PRE + ["movmskps %%xmm9, %%eax"] + RAX)
raw("movmskpd", PRE + ["movmskpd %%xmm9, %%rax"] + RAX)
for k in [0, 3, 7, 9]:
    raw("pextrw $%d" % k, PRE + ["movq $-1, %%rax", "pextrw $%d, %%xmm9, %%eax" % k] + RAX)
    raw("pextrw $%d mm" % k, MPRE + ["pextrw $%d, %%mm5, %%eax" % k] + RAX + ["emms"])
    raw("pextrw $%d m16" % k, PRE + ["pextrw $%d, %%xmm9, (%%2)" % k])
    raw("pinsrw $%d" % k, PRE + ["movl 4(%%1), %%eax", "pinsrw $%d, %%eax, %%xmm2" % k] + OUT)
    raw("pinsrw $%d m16" % k, PRE + ["pinsrw $%d, 6(%%1), %%xmm2" % k] + OUT)
    raw("pinsrw $%d mm" % k, MPRE + ["pinsrw $%d, 2(%%1), %%mm2" % k, "movq %%mm2, (%%2)", "emms"])
for k in [0, 5, 15, 17]:
    raw("pextrb $%d" % k, PRE + ["movq $-1, %%rax", "pextrb $%d, %%xmm9, %%rax" % k] + RAX)
    raw("pextrb $%d m8" % k, PRE + ["pextrb $%d, %%xmm9, 3(%%2)" % k])
    raw("pinsrb $%d" % k, PRE + ["movl 4(%%1), %%eax", "pinsrb $%d, %%eax, %%xmm2" % k] + OUT)
    raw("pinsrb $%d m8" % k, PRE + ["pinsrb $%d, 5(%%1), %%xmm2" % k] + OUT)
for k in [0, 1, 2, 3, 6]:
    raw("pextrd $%d" % k, PRE + ["movq $-1, %%rax", "pextrd $%d, %%xmm9, %%eax" % k] + RAX)
    raw("pextrd $%d m32" % k, PRE + ["pextrd $%d, %%xmm9, 4(%%2)" % k])
    raw("extractps $%d" % k, PRE + ["movq $-1, %%rax", "extractps $%d, %%xmm9, %%eax" % k] + RAX)
    raw("extractps $%d m32" % k, PRE + ["extractps $%d, %%xmm9, 8(%%2)" % k])
    raw("pinsrd $%d" % k, PRE + ["movl 4(%%1), %%eax", "pinsrd $%d, %%eax, %%xmm2" % k] + OUT)
    raw("pinsrd $%d m32" % k, PRE + ["pinsrd $%d, 8(%%1), %%xmm2" % k] + OUT)
for k in [0, 1, 3]:
    raw("pextrq $%d" % k, PRE + ["pextrq $%d, %%xmm9, %%rax" % k] + RAX)
    raw("pextrq $%d m64" % k, PRE + ["pextrq $%d, %%xmm9, 8(%%2)" % k])
    raw("pinsrq $%d" % k, PRE + ["movq 4(%%1), %%rax", "pinsrq $%d, %%rax, %%xmm2" % k] + OUT)
    raw("pinsrq $%d m64" % k, PRE + ["pinsrq $%d, 8(%%1), %%xmm2" % k] + OUT)
raw("ptest", PRE + ["ptest %%xmm9, %%xmm2"] + FLAGS)
raw("ptest self", PRE + ["ptest %%xmm2, %%xmm2"] + FLAGS)
raw("ptest m128", PRE + ["ptest (%%1), %%xmm2"] + FLAGS)
# moves of parts
raw("movss xmm", PRE + ["movss %%xmm9, %%xmm2"] + OUT)
raw("movss load", PRE + ["movss 4(%%1), %%xmm2"] + OUT)
raw("movss store", PRE + ["movss %%xmm9, 4(%%2)"])
raw("movsd xmm", PRE + ["movsd %%xmm9, %%xmm2"] + OUT)
raw("movsd load", PRE + ["movsd 4(%%1), %%xmm2"] + OUT)
raw("movsd store", PRE + ["movsd %%xmm9, 4(%%2)"])
for op in ["movlps", "movhps", "movlpd", "movhpd"]:
    raw(op + " load", PRE + ["%s 8(%%1), %%xmm2" % op] + OUT)
    raw(op + " store", PRE + ["%s %%xmm9, 4(%%2)" % op])
raw("movlhps", PRE + ["movlhps %%xmm9, %%xmm2"] + OUT)
raw("movhlps", PRE + ["movhlps %%xmm9, %%xmm2"] + OUT)
for op in ["movaps", "movapd", "movdqa", "movntdqa", "movups", "movupd", "movdqu", "lddqu"]:
    raw(op + " load", PRE + ["%s (%%1), %%xmm2" % op] + OUT)
for op in ["movaps", "movapd", "movdqa", "movntps", "movntpd", "movntdq"]:
    raw(op + " store", PRE + ["%s %%xmm9, (%%2)" % op])
for op in ["movups", "movupd", "movdqu"]:
    raw(op + " store", PRE + ["%s %%xmm9, 3(%%2)" % op])
    raw(op + " xmm", PRE + ["%s %%xmm9, %%xmm2" % op] + OUT)
raw("movq xmm,m64", PRE + ["movq 8(%%1), %%xmm2"] + OUT)
raw("movq m64,xmm", PRE + ["movq %%xmm9, 2(%%2)"])
raw("movq xmm,xmm", PRE + ["movq %%xmm9, %%xmm2"] + OUT)
raw("movq xmm,r64", PRE + ["movq 8(%%1), %%rax", "movq %%rax, %%xmm2"] + OUT)
raw("movq r64,xmm", PRE + ["movq %%xmm9, %%rax"] + RAX)
raw("movd xmm,r32", PRE + ["movq $-1, %%rax", "movd %%xmm9, %%eax"] + RAX)
raw("movd xmm,m32", PRE + ["movd 4(%%1), %%xmm2"] + OUT)
raw("movd m32,xmm", PRE + ["movd %%xmm9, 4(%%2)"])
raw("movq2dq", PRE + MPRE + ["movq2dq %%mm5, %%xmm2"] + OUT + ["emms"])
raw("movdq2q", PRE + MPRE + ["movdq2q %%xmm9, %%mm2", "movq %%mm2, 8(%%2)", "emms"])
raw("movd mm,r32", MPRE + ["movl 4(%%1), %%eax", "movd %%eax, %%mm2", "movq %%mm2, (%%2)", "emms"])
raw("movq mm,r64", MPRE + ["movq 4(%%1), %%rax", "movq %%rax, %%mm2", "movq %%mm2, (%%2)", "emms"])
raw("movd r32,mm", MPRE + ["movq $-1, %%rax", "movd %%mm5, %%eax"] + RAX + ["emms"])
raw("movq r64,mm", MPRE + ["movq %%mm5, %%rax"] + RAX + ["emms"])
raw("movntq", MPRE + ["movntq %%mm5, 8(%%2)", "emms"])
raw("movnti", ["movq (%%1), %%rax", "movnti %%rax, 4(%%2)", "movnti %%eax, 12(%%2)"])
raw("maskmovdqu", PRE + ["lea (%%2), %%rdi", "maskmovdqu %%xmm9, %%xmm2"])
raw("maskmovq", MPRE + ["lea 4(%%2), %%rdi", "maskmovq %%mm5, %%mm2", "emms"])
# CRC32 and POPCNT
for suf, reg, size in [("b", "%%al", 1), ("w", "%%ax", 2), ("l", "%%eax", 4)]:
    raw("crc32%s" % suf, ["movl (%%0), %%edx", "mov%s 4(%%1), %s" % (suf, reg), "crc32%s %s, %%edx" % (suf, reg), "movq %%rdx, (%%2)"])
    raw("crc32%s m" % suf, ["movq $-1, %%rdx", "movl (%%0), %%edx", "crc32%s 4(%%1), %%edx" % suf, "movq %%rdx, (%%2)"])
raw("crc32q", ["movq (%%0), %%rdx", "crc32q 4(%%1), %%rdx", "movq %%rdx, (%%2)"])
raw("crc32b r64", ["movq (%%0), %%rdx", "crc32b 4(%%1), %%rdx", "movq %%rdx, (%%2)"])
raw("popcnt", ["popcntq 4(%%1), %%rax", "movq %%rax, (%%2)", "popcntw 2(%%1), %%ax", "movw %%ax, 8(%%2)"] + FLAGS)
# SSE4.2 string compares: every imm8 mode of the four instructions
for imm in range(128):
    for op in ["pcmpestri", "pcmpestrm", "pcmpistri", "pcmpistrm"]:
        body = PRE + ["movsbq 16(%%0), %%rax", "movsbq 17(%%0), %%rdx"]
        if op.endswith("i"):
            body += ["movq $-1, %%rcx", "%s $%d, %%xmm9, %%xmm2" % (op, imm), "movq %%rcx, (%%2)"] + FLAGS
        else:
            body += ["%s $%d, %%xmm9, %%xmm2" % (op, imm), "movdqa %%xmm0, (%%2)", "pushfq", "popq %%rax", "andq $0x8d5, %%rax", "xorq %%rax, 8(%%2)"]
        raw("%s $%d" % (op, imm), body)
for op in ["pcmpestri", "pcmpistrm"]:
    raw("%s $12 m" % op, PRE + ["movq $5, %%rax", "movq $-9, %%rdx", "movq $-1, %%rcx", "%s $12, 3(%%1), %%xmm2" % op, "movq %%rcx, (%%2)"] + FLAGS)
raw("pcmpestri wide", PRE + ["movq $0x100000003, %%rax", "movq $-0x1000000000, %%rdx", "movq $-1, %%rcx", "rex.w pcmpestri $0, %%xmm9, %%xmm2", "movq %%rcx, (%%2)"] + FLAGS)

src = ("/* Generated by tests/guest/host/gen-simd-int.py: one function per\n"
       "   instruction form of simd-int-ops.h, and the table of them. */\n\n")
src += "\n".join(funcs)
src += "\nstatic const TestOp ops[] = {\n" + "\n".join(entries) + "\n};\n"
open(os.path.join(here, "..", "simd-int-table.h"), "w").write(src)
