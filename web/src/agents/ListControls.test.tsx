import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { DEFAULT_PARAMS } from "./fleet-view";
import { ListControls } from "./ListControls";

const box = () => screen.getByLabelText("Search agents") as HTMLInputElement;

describe("the search box", () => {
  it("keeps every key typed while the URL catches up late, and takes a change of the URL from elsewhere", () => {
    const onChange = vi.fn();
    const at = (q: string) => <ListControls params={{ ...DEFAULT_PARAMS, q }} shown={0} total={0} onChange={onChange} />;
    const view = render(at(""));
    for (const text of ["v", "vi", "vis"]) fireEvent.change(box(), { target: { value: text } });
    expect(onChange).toHaveBeenLastCalledWith({ q: "vis" });
    view.rerender(at("v"));
    expect(box().value).toBe("vis");
    view.rerender(at("vis"));
    expect(box().value).toBe("vis");
    view.rerender(at("gpu"));
    expect(box().value).toBe("gpu");
  });
});
