import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';

const marked = new Marked({ gfm: true, breaks: false });

// Curriculum authors are trusted, but rendered HTML is sanitised anyway: a strict allow-list,
// no raw HTML attributes beyond links, and links open safely.
export function renderMarkdown(md: string): string {
	const html = marked.parse(md, { async: false }) as string;
	return sanitizeHtml(html, {
		allowedTags: ['h2', 'h3', 'h4', 'p', 'ul', 'ol', 'li', 'strong', 'em', 'blockquote', 'a', 'code', 'pre', 'hr', 'br', 'table', 'thead', 'tbody', 'tr', 'th', 'td'],
		allowedAttributes: { a: ['href', 'rel', 'target'] },
		allowedSchemes: ['https', 'mailto', 'tel'],
		transformTags: {
			a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer', target: '_blank' })
		}
	});
}
