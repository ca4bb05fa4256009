// File: disassembler.h
// Text listing of compiled code: every sequence of the program, each headed with
// the word `sequence`, its instructions with operands, constants and multisets.
#pragma once

#include <string>

#include "rho/bytecode/code.h"

namespace rho::bytecode {

std::string disassemble(const Code& main);

} // namespace rho::bytecode
