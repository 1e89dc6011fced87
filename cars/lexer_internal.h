// Entry points of the per-language lexers, dispatched by Lex() (lexer.h).
#ifndef FORGE_CARS_LEXER_INTERNAL_H_
#define FORGE_CARS_LEXER_INTERNAL_H_

#include "cars/scan_cursor.h"

namespace forge::cars {

void LexPython(ScanCursor& cursor, TokenEmitter* emit);
void LexJavaScript(ScanCursor& cursor, TokenEmitter* emit);
void LexBash(ScanCursor& cursor, TokenEmitter* emit);

}  // namespace forge::cars

#endif  // FORGE_CARS_LEXER_INTERNAL_H_
