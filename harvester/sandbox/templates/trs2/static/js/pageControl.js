// Hubei TRS pager: pageControl(page count, current index from 0, prefix, extension, page size, css class)
function pageControl(count, current, prefix, ext, size, cls){
	if(count == null || count <= 1){ return; }
	function name(i){ return i == 0 ? prefix + "." + ext : prefix + "_" + i + "." + ext; }
	var h = "<div class=\"" + (cls || "pages-nav") + "\">";
	h += current > 0 ? "<a href=\"" + name(0) + "\">首页</a><a href=\"" + name(current-1) + "\">上一页</a>" : "<span>首页</span><span>上一页</span>";
	h += "<span class=\"cur\">" + (current+1) + "/" + count + "</span>";
	h += current < count-1 ? "<a href=\"" + name(current+1) + "\">下一页</a><a href=\"" + name(count-1) + "\">末页</a>" : "<span>下一页</span><span>末页</span>";
	document.write(h + "</div>");
}
