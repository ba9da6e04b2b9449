/** A tag chip: never wider than its row, a long name ends in an ellipsis (the full name in the tooltip). */
export function Tag({ name, small = false }: { name: string; small?: boolean }) {
  return (
    <span
      data-testid="tag"
      title={name}
      className={`min-w-0 max-w-full truncate rounded bg-zinc-800 text-zinc-300 ${small ? "px-1 text-[10px]" : "px-1.5 py-px text-[11px]"}`}
    >
      {name}
    </span>
  );
}
