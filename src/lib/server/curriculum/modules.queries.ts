import type { Db } from '../db';

export interface ModuleHeading {
	title: string;
	position: number;
}

export interface ModuleContent extends ModuleHeading {
	objectives: string[];
	/** sanitised at import (markdown.ts) */
	html: string;
}

/** A module's title and place in its course. The caller has checked that the participant may open it. */
export async function moduleHeading(db: Db, moduleId: string): Promise<ModuleHeading> {
	const m = await db
		.selectFrom('modules')
		.select(['title', 'position'])
		.where('id', '=', moduleId)
		.executeTakeFirstOrThrow();
	return { title: m.title, position: Number(m.position) };
}

/** What the module page shows of the module itself. The caller has checked access. */
export async function moduleContent(db: Db, moduleId: string): Promise<ModuleContent> {
	const m = await db
		.selectFrom('modules')
		.select(['title', 'position', 'objectives_json', 'body_html'])
		.where('id', '=', moduleId)
		.executeTakeFirstOrThrow();
	return {
		title: m.title,
		position: Number(m.position),
		objectives: JSON.parse(m.objectives_json) as string[],
		html: m.body_html
	};
}
