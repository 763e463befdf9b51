/** Container resources in the shape every chart and pod spec uses; charts take them as props, components choose them. */
export interface Resources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/** Container resources from the four numbers a component picks. */
export function resources(requestCpu: string, requestMemory: string, limitCpu: string, limitMemory: string): Resources {
  return { requests: { cpu: requestCpu, memory: requestMemory }, limits: { cpu: limitCpu, memory: limitMemory } };
}
