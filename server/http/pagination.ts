import { z } from "zod";
import { ValidationError } from "../errors";

/** Lists answer `{ items, nextCursor }`; a cursor is opaque to clients (base64url of a sort key). */
export const cursorQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(512).optional(),
});

export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export function encodeCursor(key: string): string {
  return Buffer.from(key, "utf8").toString("base64url");
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const key = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, "base64url").toString("utf8") : "";
  if (!key || !/^[\x20-\x7e]+$/.test(key)) {
    throw new ValidationError("cursor is not one this service issued; pass nextCursor from the previous page", [{ field: "querystring.cursor", message: "invalid cursor" }]);
  }
  return key;
}
