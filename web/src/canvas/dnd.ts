/** The drag-and-drop contract between the palette and the canvas. */
export const OPERATOR_MIME = 'application/x-weir-operator';

/** Where a dropped node's top-left corner goes, relative to the pointer: the pointer lands on its header. */
export const DROP_GRAB = { x: 76, y: 20 };
